"""Access control: staff accounts, roles and permissions as data, unit scope, API clients, read audit."""
