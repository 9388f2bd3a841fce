"""Lists (名单): list types as data and the lifecycle of entries — proposed, notified, listed, exited."""
