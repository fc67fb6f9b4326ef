"""Many communities, one firm, one district: the portfolio (issue 15).

:func:`load_portfolio` reads a portfolio file (:mod:`.schema`), :func:`run_portfolio` evaluates
its communities with the one engine and consolidates them (:mod:`.consolidate`): the operator
firm's taxes, cash and verdict, the district's commitments against its red line; locally or on
a Dask cluster. :mod:`.synthetic` makes seeded synthetic districts for tests and benchmarks.
"""

from .load import LoadedPortfolio, Member, load_portfolio
from . import run
from .run import PortfolioResult, run_portfolio

__all__ = ["run", "load_portfolio", "run_portfolio", "LoadedPortfolio", "Member", "PortfolioResult"]
