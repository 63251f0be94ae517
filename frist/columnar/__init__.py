"""The columnar engine: the rule book evaluated for a whole population at once (see ``frist.columnar.cdates``)."""
