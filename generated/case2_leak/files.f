case2_leak_tile.v
case2_leak_router.v
case2_leak_top.v
