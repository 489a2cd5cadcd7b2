recurrent_tile.v
recurrent_router.v
recurrent_top.v
