"""Layer 2, the panel and its tables (pandas).

:mod:`.tidy` turns yearbook cell blocks into a tidy panel with a quality log;
:mod:`.tables` computes the regional tables from it; :mod:`.measures` is the registry of
their columns (labels, formats, charts, worksheet functions). :mod:`.options`,
:mod:`.provinces`, :mod:`.nbs` (National Bureau of Statistics exports), :mod:`.fx` (the
official exchange-rate table) and :mod:`.example` (the demo data) serve them.
"""
