"""The public site 信用<城市> and the public JSON API: reads only through records.queries."""
