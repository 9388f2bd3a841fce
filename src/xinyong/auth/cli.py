"""``xinyong users …`` and ``xinyong clients …``: accounts and API clients from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from xinyong.auth import service
from xinyong.config import get_settings
from xinyong.db import transaction
from xinyong.errors import XinyongError
from xinyong.kit import clock
from xinyong.kit.actor import CLI

users_app = typer.Typer(help="工作人员账号", no_args_is_help=True)
clients_app = typer.Typer(help="接口客户端（业务系统）", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]

#: One demo account per role: username → (name, unit, role). Refused in production.
DEMO_ACCOUNTS = {
    "demo_xyb": ("演示·信用办管理员", "shi_fgw", "credit_office_admin"),
    "demo_tb": ("演示·部门填报员", "shi_scjgj", "submitter"),
    "demo_sh": ("演示·部门审核员", "shi_scjgj", "reviewer"),
    "demo_qx": ("演示·辖区操作员", "wujin_fgj", "district_operator"),
    "demo_sj": ("演示·审计员", "shi_fgw", "auditor"),
    "demo_gl": ("演示·系统管理员", "shi_fgw", "system_admin"),
}
#: The well-known demo password (a default credential: login refuses demo accounts in production).
DEMO_PASSWORD = "Demo-Xinyong-2026"


def _out(data: Any, as_json: bool, human: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str) if as_json else human)


def _run(as_json: bool, work: Callable[[Any], tuple[Any, str]]) -> None:
    """Run ``work(session)`` in one transaction; print its result or the business error (exit 2)."""
    try:
        with transaction() as session:
            data, human = work(session)
    except XinyongError as exc:
        if as_json:
            typer.echo(json.dumps(exc.to_dict(), ensure_ascii=False, default=str))
        else:
            typer.echo(f"错误：{exc.message}", err=True)
        raise typer.Exit(2) from None
    _out(data, as_json, human)


def _user_row(v: service.UserView) -> dict[str, Any]:
    u = v.user
    return {
        "id": str(u.id),
        "username": u.username,
        "name": u.display_name,
        "unit": u.unit_key,
        "roles": v.roles,
        "active": u.active,
        "locked": v.locked,
        "demo": u.demo,
        "must_change_password": u.must_change_password,
    }


@users_app.command("create")
def users_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="姓名")],
    unit: Annotated[str, typer.Option("--unit", help="单位键，如 shi_fgw")],
    role: Annotated[list[str], typer.Option("--role", help="角色键（可重复）")],
    password: Annotated[str | None, typer.Option("--password", help="不给则生成临时密码")] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建账号（首个管理员亦用此命令）；未给密码时生成临时密码并只显示一次。"""

    def work(session: Any) -> tuple[Any, str]:
        secret = password or service.generate_password()
        user = service.create_user(
            session,
            username=username,
            display_name=name,
            unit_key=unit,
            role_keys=role,
            password=secret,
            actor=CLI,
            must_change_password=password is None,
        )
        data = {"id": str(user.id), "username": user.username, "roles": sorted(role)}
        if password is None:
            data["temporary_password"] = secret
            return data, f"已创建账号 {username}；临时密码（仅显示一次，首次登录须修改）：{secret}"
        return data, f"已创建账号 {username}"

    _run(as_json, work)


@users_app.command("list")
def users_list(unit: Annotated[str | None, typer.Option("--unit")] = None, as_json: JsonOpt = False) -> None:
    """列出账号。"""

    def work(session: Any) -> tuple[Any, str]:
        rows = [_user_row(v) for v in service.list_users(session, unit_key=unit)]
        lines = [
            f"{r['username']:<20} {r['name']:<12} {r['unit']:<16} {','.join(r['roles']):<32}"
            f"{'' if r['active'] else ' 已停用'}{' 已锁定' if r['locked'] else ''}"
            for r in rows
        ]
        return rows, "\n".join(lines) or "没有账号"

    _run(as_json, work)


def _user_command(verb: str, done: str) -> Callable[..., None]:
    def command(username: str, as_json: JsonOpt = False) -> None:
        def work(session: Any) -> tuple[Any, str]:
            user = service.get_user(session, username)
            if verb == "unlock":
                service.unlock(session, user=user, actor=CLI)
            else:
                service.set_active(session, user=user, active=verb == "enable", actor=CLI)
            return {"username": user.username, "action": verb}, f"{done}：{user.username}"

        _run(as_json, work)

    command.__doc__ = f"{done}账号。"
    return command


users_app.command("disable")(_user_command("disable", "已停用"))
users_app.command("enable")(_user_command("enable", "已启用"))
users_app.command("unlock")(_user_command("unlock", "已解锁"))


@users_app.command("reset-password")
def users_reset_password(
    username: str,
    password: Annotated[str | None, typer.Option("--password", help="不给则生成临时密码")] = None,
    as_json: JsonOpt = False,
) -> None:
    """重置密码（下次登录须修改）；生成的临时密码只显示一次。"""

    def work(session: Any) -> tuple[Any, str]:
        user = service.get_user(session, username)
        secret = service.reset_password(session, user=user, actor=CLI, password=password)
        return (
            {"username": user.username, "temporary_password": secret},
            f"已重置 {user.username} 的密码；临时密码（仅显示一次）：{secret}",
        )

    _run(as_json, work)


@users_app.command("demo")
def users_demo(as_json: JsonOpt = False) -> None:
    """为每个角色建一个演示账号（默认口令；生产环境禁止，且生产环境登录时拒绝演示账号）。"""
    if get_settings().production:
        _out(
            {"error": {"code": "demo_refused", "message": "生产环境禁止创建演示账号"}},
            as_json,
            "错误：生产环境禁止创建演示账号",
        )
        raise typer.Exit(2)

    def work(session: Any) -> tuple[Any, str]:
        made = []
        for username, (name, unit, role) in DEMO_ACCOUNTS.items():
            if service.find_user(session, username) is None:
                service.create_user(
                    session,
                    username=username,
                    display_name=name,
                    unit_key=unit,
                    role_keys=[role],
                    password=DEMO_PASSWORD,
                    actor=CLI,
                    demo=True,
                )
                made.append(username)
        return (
            {"created": made, "password": DEMO_PASSWORD},
            f"演示账号：{'、'.join(DEMO_ACCOUNTS)}（新建 {len(made)} 个），密码 {DEMO_PASSWORD}",
        )

    _run(as_json, work)


def _client_row(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "unit": c.unit_key,
        "permissions": c.permissions,
        "allowed_ips": c.allowed_ips,
        "rate_per_minute": c.rate_per_minute,
        "revoked": c.revoked_at is not None,
    }


@clients_app.command("create")
def clients_create(
    name: str,
    permission: Annotated[list[str], typer.Option("--permission", help="权限（可重复），如 checks.run")],
    unit: Annotated[str | None, typer.Option("--unit", help="所属单位键")] = None,
    allow_ip: Annotated[
        list[str] | None, typer.Option("--allow-ip", help="允许的 IP 或网段（可重复）")
    ] = None,
    rate: Annotated[int, typer.Option("--rate", help="每分钟请求上限")] = 600,
    as_json: JsonOpt = False,
) -> None:
    """新建接口客户端；密钥 xyk_<id>_<secret> 只显示这一次。"""

    def work(session: Any) -> tuple[Any, str]:
        client, key = service.create_client(
            session,
            name=name,
            unit_key=unit,
            permissions=permission,
            allowed_ips=allow_ip or [],
            rate_per_minute=rate,
            actor=CLI,
        )
        return _client_row(client) | {
            "key": key
        }, f"已创建客户端 {client.id}（{name}）；密钥（仅显示一次）：{key}"

    _run(as_json, work)


@clients_app.command("list")
def clients_list(as_json: JsonOpt = False) -> None:
    """列出接口客户端（不显示密钥）。"""

    def work(session: Any) -> tuple[Any, str]:
        rows = [_client_row(c) for c in service.list_clients(session)]
        lines = [
            f"{r['id']}  {r['name']:<20} {','.join(r['permissions']):<24} {r['rate_per_minute']}/分钟"
            f"{' 已吊销' if r['revoked'] else ''}"
            for r in rows
        ]
        return rows, "\n".join(lines) or "没有客户端"

    _run(as_json, work)


@clients_app.command("rotate")
def clients_rotate(
    client_id: str,
    grace_hours: Annotated[
        int,
        typer.Option("--grace-hours", help="旧密钥继续有效的小时数（0–168；默认 0：立即失效，用于密钥泄露）"),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """轮换密钥：新密钥只显示这一次；旧密钥立即失效，或在 --grace-hours 过渡期内继续有效。"""

    def work(session: Any) -> tuple[Any, str]:
        client = service.get_client(session, client_id)
        key = service.rotate_client(session, client=client, actor=CLI, grace_hours=grace_hours)
        until = service.grace_until(client, clock.now())
        old = (
            f"旧密钥在 {until.astimezone(clock.SHANGHAI):%Y-%m-%d %H:%M} 前继续有效"
            if until
            else "旧密钥已失效"
        )
        return (
            {"id": client.id, "key": key, "previous_key_expires_at": until.isoformat() if until else None},
            f"已轮换 {client.id} 的密钥（仅显示一次）：{key}\n{old}",
        )

    _run(as_json, work)


@clients_app.command("revoke")
def clients_revoke(client_id: str, as_json: JsonOpt = False) -> None:
    """吊销客户端：其密钥立即失效。"""

    def work(session: Any) -> tuple[Any, str]:
        client = service.get_client(session, client_id)
        service.revoke_client(session, client=client, actor=CLI)
        return {"id": client.id, "revoked": True}, f"已吊销客户端 {client.id}"

    _run(as_json, work)
