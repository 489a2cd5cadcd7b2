case4_wrap_tile.v
case4_wrap_router.v
case4_wrap_top.v
