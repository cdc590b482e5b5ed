"""The commands of ``loa``, loaded only when used: ``loa queue`` imports neither the report's chart nor the web app,
and ``loa --help`` lists every command from this table without importing any of them (click's "lazy loading
subcommands" pattern).

Adding a command is one line in ``COMMANDS``: its name, the module that defines it, the function's name there and
its help key (the ``help=`` of its decorator; tests/test_startup.py checks the table against the modules).
"""
from __future__ import annotations

from importlib import import_module
from typing import NamedTuple

import click

from .click_text import short_text, tr
from .common import LoaGroup


class Entry(NamedTuple):
    module: str
    attribute: str
    help: str  # the translation key of its help text, shown in `loa --help` before the module is loaded


COMMANDS: dict[str, Entry] = {
    "init": Entry("loa.scheduler.cli", "init_command", "help.init"),
    "campaign": Entry("loa.scheduler.cli.campaign", "campaign_group", "help.campaign"),
    "post": Entry("loa.scheduler.cli.post", "post_group", "help.post"),
    "queue": Entry("loa.scheduler.cli.queue", "queue_command", "help.queue"),
    "log": Entry("loa.scheduler.cli.log", "log_command", "logcmd.help_log"),
    "metrics": Entry("loa.scheduler.cli.metrics", "metrics_group", "metrics.help_group"),
    "publish": Entry("loa.scheduler.cli.publish", "publish_command", "help.publish"),
    "channels": Entry("loa.scheduler.cli.publish", "channels_group", "help.channels_group"),
    "preview": Entry("loa.scheduler.cli.render", "preview_command", "help.preview"),
    "render": Entry("loa.scheduler.cli.render", "render_command", "help.render"),
    "banner": Entry("loa.scheduler.cli.render", "banner_command", "help.banner"),
    "themes": Entry("loa.scheduler.cli.render", "themes_group", "help.themes"),
    "report": Entry("loa.scheduler.cli.report", "report_command", "help.report.command"),
    "run": Entry("loa.scheduler.cli.run", "run_command", "help.run"),
    "status": Entry("loa.scheduler.cli.run", "status_command", "help.status_command"),
    "retry": Entry("loa.scheduler.cli.run", "retry_command", "help.retry"),
    "users": Entry("loa.scheduler.cli.users", "users_group", "leaks.help_users"),
    "web": Entry("loa.scheduler.cli.web", "web_command", "leaks.help_web"),
    "backup": Entry("loa.scheduler.cli.backup", "backup_command", "backup.help"),
    "restore": Entry("loa.scheduler.cli.backup", "restore_command", "backup.help_restore"),
    "db": Entry("loa.scheduler.cli.db", "db_group", "db.help"),
}


class LazyGroup(LoaGroup):
    """A group whose commands come from ``COMMANDS``, each module imported the first time its command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            entry = COMMANDS[cmd_name]
            command = getattr(import_module(entry.module), entry.attribute)
            self.commands.setdefault(cmd_name, command)  # a module's @cli.command has already registered it
        return self.commands.get(cmd_name)

    def listed_commands(self, ctx: click.Context, room: int) -> list[tuple[str, str]]:
        """The help's command list; a command not loaded yet is described from the table, not imported."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                rows.append((name, short_text(tr(COMMANDS[name].help), room)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(room)))
        return rows
