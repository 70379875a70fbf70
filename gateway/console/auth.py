"""FastAPI dependencies guarding the console: which role may do what, and the CSRF check.

Who is logged in comes from `gateway.deps` (`get_staff_user`, `CurrentStaff`), the seam every edge
uses to accept staff requests (the console's pages and forms, the staff API).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from gateway.console.accounts import Role, StaffUser
from gateway.console.session import CSRF_FIELD, CSRF_HEADER, tokens_match
from gateway.deps import CurrentStaff, ServicesDep, current_session


def require_role(*roles: Role) -> Callable[..., Awaitable[StaffUser]]:
    async def dependency(user: CurrentStaff) -> StaffUser:
        if user.role not in roles:
            raise HTTPException(
                status_code=403,
                detail=f"the {user.role} role may not do this (needs {' or '.join(roles)})",
            )
        return user

    return dependency


async def require_csrf(request: Request, services: ServicesDep, user: CurrentStaff) -> StaffUser:
    """Every state-changing request must carry the session's CSRF token."""
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(current_session(request).csrf, given):
        await services.audit.append(
            "system",
            "security.rejected",
            "staff",
            {"reason": "csrf_mismatch", "staff": user.email, "path": request.url.path},
        )
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page and retry")
    return user


can_act = require_role("admin", "staff")
can_export = require_role("admin", "auditor")
is_admin = require_role("admin")
