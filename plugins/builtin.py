"""Entry point of the built-in methods: one hook, as a third-party plugin would write it."""

from scoring import hookimpl

from . import change, deductions, mapped, relative


@hookimpl
def scoring_methods():
    return [*deductions.METHODS, *relative.METHODS, *mapped.METHODS, *change.METHODS]
