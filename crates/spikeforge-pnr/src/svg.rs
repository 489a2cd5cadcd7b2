//! Rendering: the mesh as an SVG picture — each tile coloured by the population that
//! holds most of its neurons, each link between neighbouring routers shaded by its
//! traffic (both directions together), the host link marked at its tile.
//!
//! Invariant: the SVG is a pure function of the plan (same plan, same bytes).

use std::fmt::Write;

use crate::plan::Plan;
use crate::report::link_loads;

fn colour(p: usize) -> String {
    let hue = (p as f64 * 137.508) % 360.0;
    format!("hsl({hue:.0},65%,62%)")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The plan's mesh as SVG text.
pub fn render(plan: &Plan) -> String {
    let (w, h) = (plan.width(), plan.height());
    let cell = (960 / w.max(h)).clamp(4, 48) as f64;
    let pad = 30.0;
    let legend_h = 18.0 * (plan.populations.len() as f64 + 2.0);
    let width = pad * 2.0 + cell * w as f64 + 220.0;
    let height = (pad * 2.0 + cell * h as f64).max(pad + legend_h);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r#"<title>{} on a {w}x{h} mesh ({} placer, {} router)</title>"#,
        escape(&plan.design),
        plan.placer.as_str(),
        plan.router.as_str()
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    // Slots.
    let mut owner = vec![None; (w * h) as usize];
    for t in &plan.tiles {
        let best = t
            .slices
            .iter()
            .max_by_key(|s| (s.count, std::cmp::Reverse(s.population)));
        owner[(t.y * w + t.x) as usize] = best.map(|s| (s.population as usize, t.id));
    }
    let inset = (cell * 0.12).max(0.5);
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (pad + x as f64 * cell + inset, pad + y as f64 * cell + inset);
            let size = cell - 2.0 * inset;
            match owner[(y * w + x) as usize] {
                Some((p, t)) => {
                    let _ = writeln!(
                        s,
                        r#"<rect x="{px:.1}" y="{py:.1}" width="{size:.1}" height="{size:.1}" fill="{}"><title>tile {t} at ({x}, {y}): {}</title></rect>"#,
                        colour(p),
                        escape(&plan.populations[p].name)
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r##"<rect x="{px:.1}" y="{py:.1}" width="{size:.1}" height="{size:.1}" fill="#eeeeee"/>"##
                    );
                }
            }
        }
    }
    // Links: E and S neighbours, both directions summed.
    let load = link_loads(plan);
    let at = |x: u32, y: u32, d: usize| load[((y * w + x) as usize) * 4 + d];
    let mut links = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if x + 1 < w {
                links.push((x, y, x + 1, y, at(x, y, 1) + at(x + 1, y, 3)));
            }
            if y + 1 < h {
                links.push((x, y, x, y + 1, at(x, y, 2) + at(x, y + 1, 0)));
            }
        }
    }
    let max = links.iter().map(|l| l.4).fold(0.0, f64::max);
    let centre = |v: u32| pad + (v as f64 + 0.5) * cell;
    for (x0, y0, x1, y1, l) in links {
        if l <= 0.0 {
            continue;
        }
        let f = l / max;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="rgb(20,20,{})" stroke-opacity="{:.2}" stroke-width="{:.1}"><title>{l:.1} spikes/tick</title></line>"#,
            centre(x0),
            centre(y0),
            centre(x1),
            centre(y1),
            (40.0 + 200.0 * (1.0 - f)) as u32,
            0.15 + 0.85 * f,
            (cell * 0.08).max(0.6) + cell * 0.25 * f
        );
    }
    // Host link.
    let (hx, hy) = (pad + plan.host.x as f64 * cell, centre(plan.host.y));
    let _ = writeln!(
        s,
        r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="black"><title>host link (west port of ({}, {}))</title></polygon>"#,
        hx - 14.0,
        hy - 7.0,
        hx - 14.0,
        hy + 7.0,
        hx - 2.0,
        hy,
        plan.host.x,
        plan.host.y
    );
    // Legend.
    let lx = pad * 1.5 + cell * w as f64;
    let _ = writeln!(
        s,
        r#"<text x="{lx:.0}" y="{:.0}" font-weight="bold">{}</text>"#,
        pad,
        escape(&plan.design)
    );
    for (i, p) in plan.populations.iter().enumerate() {
        let y = pad + 18.0 * (i as f64 + 1.0);
        let _ = writeln!(
            s,
            r#"<rect x="{lx:.0}" y="{:.0}" width="12" height="12" fill="{}"/><text x="{:.0}" y="{:.0}">{}</text>"#,
            y - 10.0,
            colour(i),
            lx + 18.0,
            y,
            escape(&p.name)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{lx:.0}" y="{:.0}">links: darker = more spikes (max {max:.1}/tick)</text>"#,
        pad + 18.0 * (plan.populations.len() as f64 + 1.5)
    );
    s.push_str("</svg>\n");
    s
}
