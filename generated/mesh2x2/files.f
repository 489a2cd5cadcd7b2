mesh2x2_tile.v
mesh2x2_router.v
mesh2x2_top.v
