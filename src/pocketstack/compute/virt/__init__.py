"""Virt drivers: how instances become real (or fake) virtual machines."""
