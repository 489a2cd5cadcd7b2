//! The snapshot-testing example of the README, verbatim but for the design: users
//! snapshot the RTL of their own designs this way.

#[test]
fn my_design_rtl() {
    let emitted = spikeforge::build_file("designs/case1_integrate.toml".as_ref()).unwrap();
    insta::assert_snapshot!(emitted.snapshot());
}
