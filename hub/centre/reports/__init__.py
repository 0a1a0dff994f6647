"""Reports: every figure's one definition, the report period and the queue board."""
