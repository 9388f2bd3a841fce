"""Joint reward and punishment (联合奖惩): the measures catalogue as data, the check, feedback, statistics."""
