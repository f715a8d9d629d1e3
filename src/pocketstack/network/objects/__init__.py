"""Domain logic of the network service, one module per noun; raises common errors only."""
