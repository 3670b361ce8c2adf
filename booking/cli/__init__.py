"""``python -m booking``: the operator's commands."""
