"""greenlens.replication: rerun baselines under energy metering; FLOPs; expected validation."""
