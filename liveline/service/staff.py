"""Managing people from the console: admins add them, change their role, disable them and
set their passwords; everyone changes their own password and manages their own API tokens
(admins: anyone's). (The command line, run by whoever holds the server, uses `Accounts`
directly.)"""

from __future__ import annotations

from liveline.errors import N_, Conflict, Forbidden, NotFound, Unauthorized
from liveline.model import Role, Token, User
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
            raise Conflict(N_("you cannot take away your own admin role; ask another admin"))
        return self._accounts.set_role(name, role)

    def disable(self, actor: User, name: str) -> User:
        """Their sessions and tokens stop working at once; their posts stay."""
        _admin(actor)
        if name == actor.name:
            raise Conflict(N_("you cannot disable yourself; ask another admin"))
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
            raise Unauthorized(N_("that is not your current password"))
        return self._accounts.set_password(actor.name, new, keep_session=keep_session)

    # API tokens: a token carries its owner's role (web/auth.py), so it is made only for
    # oneself; an admin sees and revokes anyone's (a lost laptop, a colleague who left).

    def tokens(self, actor: User) -> list[Token]:
        """Newest first: one's own, or everyone's for an admin."""
        found = self._accounts.tokens(None if actor.role is Role.ADMIN else actor.name)
        return found[::-1]

    def create_token(self, actor: User, label: str | None) -> str:
        """A new token for oneself; the only time its text is shown."""
        return self._accounts.create_token(actor.name, label)

    def revoke_token(self, actor: User, token_id: int) -> None:
        if actor.role is not Role.ADMIN:
            own = {token.id for token in self._accounts.tokens(actor.name)}
            if token_id not in own:  # another's token, or none: the same answer
                raise NotFound(N_("you have no token %(id)s"), id=token_id)
        self._accounts.revoke_token(token_id)


def _admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(N_("only admins manage people"))
