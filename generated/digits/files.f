digits_tile.v
digits_router.v
digits_top.v
