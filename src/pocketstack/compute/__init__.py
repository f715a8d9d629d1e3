"""Compute (Nova v2.1): API, scheduler, conductor and compute agents over the bus."""
