"""Chart maths without a UI: smoothing, downsampling, log-safe values, specs and presets.

``series`` holds the numpy transforms, ``spec`` the ``ChartSpec`` a screen builds and the
drawing plan a chart widget copies into plotext, ``overview`` the spec's recommended panels;
sibling modules hold other numpy cores for widgets. Nothing here imports Textual, Rich or
plotext, so it is unit-tested without an app.
"""
