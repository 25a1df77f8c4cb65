"""Managing people from the console: admins add them, change their role, disable them and
set their passwords; everyone changes their own password. (The command line, run by whoever
holds the server, uses `Accounts` directly.)"""

from __future__ import annotations

from liveline.errors import Conflict, Forbidden, Unauthorized
from liveline.model import Role, User
from liveline.service import passwords
from liveline.service.accounts import Accounts
from liveline.service.unit import UnitOfWork


class Staff:
    def __init__(self, unit: UnitOfWork, accounts: Accounts) -> None:
        self._unit = unit
        self._accounts = accounts

    def people(self, actor: User) -> list[User]:
        _admin(actor)
        return self._accounts.users()

    def add(
        self, actor: User, name: str, role: Role, display_name: str | None, password: str
    ) -> User:
        """A new person, with a first password (a values.NewPassword, checked at the edge)."""
        _admin(actor)
        self._accounts.add_user(name, role, display_name)
        return self._accounts.set_password(name, password)

    def set_role(self, actor: User, name: str, role: Role) -> User:
        _admin(actor)
        if name == actor.name and role is not Role.ADMIN:
            raise Conflict("you cannot take away your own admin role; ask another admin")
        return self._accounts.set_role(name, role)

    def disable(self, actor: User, name: str) -> User:
        """Their sessions and tokens stop working at once; their posts stay."""
        _admin(actor)
        if name == actor.name:
            raise Conflict("you cannot disable yourself; ask another admin")
        return self._accounts.disable(name)

    def reset_password(self, actor: User, name: str, password: str) -> User:
        _admin(actor)
        return self._accounts.set_password(name, password)

    def change_own_password(
        self, actor: User, current: str, new: str, keep_session: int | None
    ) -> User:
        """A new password for oneself, proven by the current one; one's other sessions end."""
        found = self._unit.read(
            lambda conn: self._unit.store.people.user_with_password(conn, actor.name)
        )
        if found is None or not passwords.verify(found[1], current):
            raise Unauthorized("that is not your current password")
        return self._accounts.set_password(actor.name, new, keep_session=keep_session)


def _admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("only admins manage people")
