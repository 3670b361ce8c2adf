"""Taking, moving and freeing seats: the one seat rule, the booking service and its
batched writes, priority pools and booking codes."""
