"""The hooks a plugin may implement.

from scoring import hookimpl, Method

class MyMethod(Method): ...

@hookimpl
def scoring_methods():
    return [MyMethod]
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("scoring")
hookimpl = pluggy.HookimplMarker("scoring")


@hookspec
def scoring_methods():
    """Return a list of :class:`scoring.Method` subclasses this plugin provides.

    Called once at start-up. Each method's ``name`` must be unique across all plugins;
    a duplicate is refused naming both plugins.
    """
