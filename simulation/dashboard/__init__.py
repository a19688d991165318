"""The workshop dashboard (Solara): explore a town, trigger shocks, compare two structure
settings side by side, in German or English, with no internet."""
