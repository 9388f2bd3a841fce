"""Staff token API: exchange a password for a short-lived bearer token; who am I; revoke."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from xinyong.auth import service
from xinyong.auth.actor import Actor
from xinyong.auth.errors import Unauthenticated
from xinyong.auth.permissions import bearer_token, client_ip, current_actor
from xinyong.auth.schemas import TokenOut, TokenRequest
from xinyong.config import get_settings
from xinyong.web import DbSession, Public

router = APIRouter(prefix="/api/v1/staff", tags=["工作人员接口"])


@router.post(
    "/tokens",
    response_model=TokenOut,
    dependencies=[Public],
    summary="签发工作人员令牌",
    responses={401: {"description": "用户名或密码错误、账号锁定或停用"}},
)
def issue_token(body: TokenRequest, request: Request, session: DbSession) -> Any:
    """Password login for scripts: returns ``xyt_…`` valid for the policy's minutes (default 15).

    Failures are counted (5 → locked 30 minutes) and committed even though the answer is 401.
    """
    try:
        user = service.authenticate(
            session, username=body.username, password=body.password, production=get_settings().production
        )
    except Unauthenticated as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)
    raw, row = service.open_session(session, user=user, kind=service.TOKEN, ip=client_ip(request))
    return {"token": raw, "token_type": "bearer", "expires_at": row.expires_at.isoformat()}


@router.get("/me", summary="当前身份")
def me(actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    return {
        "kind": actor.kind,
        "id": actor.id,
        "name": actor.name,
        "unit": actor.unit_key,
        "district": actor.district_key,
        "roles": sorted(actor.roles),
        "permissions": sorted(actor.permissions),
    }


@router.delete("/tokens/current", status_code=204, summary="注销当前令牌")
def revoke_token(request: Request, session: DbSession, actor: Actor = Depends(current_actor)) -> None:
    raw = bearer_token(request)
    if raw and raw.startswith(service.TOKEN_PREFIX):
        service.close_session(session, raw=raw)
