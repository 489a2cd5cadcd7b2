case7_delay_tile.v
case7_delay_router.v
case7_delay_top.v
