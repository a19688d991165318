"""Running many simulations: seeds, the parallel runner, storage and analysis."""
