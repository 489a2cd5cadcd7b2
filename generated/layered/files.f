layered_tile.v
layered_router.v
layered_top.v
