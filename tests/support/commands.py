"""Walking loa's commands through click's own interface: the root group loads each command's module on demand
(scheduler/cli/lazy.py), so its ``commands`` dict holds only those already used."""
from __future__ import annotations

import click


def subcommands(command: click.Command) -> dict[str, click.Command]:
    """A group's commands by name (each one loaded); {} for a command that is not a group."""
    if not isinstance(command, click.Group):
        return {}
    context = click.Context(command)
    found = {name: command.get_command(context, name) for name in command.list_commands(context)}
    return {name: sub for name, sub in found.items() if sub is not None}
