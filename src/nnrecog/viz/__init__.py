"""Figures of the experiments (matplotlib, imported only when a figure is drawn): ``viz.plots``."""
