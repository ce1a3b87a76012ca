"""Speechcue's services: one package each, plus `runtime`, what all of them stand on."""
