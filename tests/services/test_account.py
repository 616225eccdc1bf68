"""AccountService: screen-name changes, account deletion and the data export."""

from __future__ import annotations

import json
import time
import uuid

import grpc
import pyotp
import pytest
from origin.v1 import account_pb2, account_pb2_grpc, auth_pb2, checkin_pb2, common_pb2, score_pb2
from origin.v1 import second_factor_pb2, second_factor_pb2_grpc

from server.domain import confusables_data
from server.domain.accounts import screen_name_key
from server.domain.screen_names import skeleton
from tests import conftest
from tests.helpers import PASSWORD, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, rpc_error

# "MARIO" in Unicode modifier letters (U+1D39, U+1D2C, U+1D3F, U+1D35, U+1D3C):
# NFKC turns each into the capital letter, so the name folds to "mario".
MODIFIER_MARIO = "\u1d39\u1d2c\u1d3f\u1d35\u1d3c"
# "paypal" with a Cyrillic small a (U+0430) as its second letter.
CYRILLIC_PAYPAL = "p\u0430ypal"


def _accounts(api) -> account_pb2_grpc.AccountServiceStub:
    return account_pb2_grpc.AccountServiceStub(api.channel)


async def _rename(api, user, name) -> account_pb2.UpdateScreenNameResponse:
    return await _accounts(api).UpdateScreenName(
        account_pb2.UpdateScreenNameRequest(screen_name=name), metadata=user.metadata
    )


async def _top_names(api, machine) -> list[str]:
    request = score_pb2.ListTopScoresRequest(
        game=machine.game_id, scope=common_pb2.BOARD_SCOPE_ARCADE, arcade_id=machine.arcade_id
    )
    reply = await api.scores.ListTopScores(request)
    return [entry.score.player.display_name for entry in reply.entries]


async def _submit(api, machine, user_id, value=1000):
    request = score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=value, user_id=user_id)
    return await api.scores.SubmitScore(request, metadata=machine.metadata)


def test_skeleton_of_skeleton_is_itself():
    sources = [line.split()[0] for line in confusables_data.MAPPING.splitlines() if line]
    for source in sources:
        once = skeleton(screen_name_key("ab" + chr(int(source, 16)) + "cd"))
        assert skeleton(once) == once, source


@pytest.mark.parametrize(
    "first, second",
    [("paypal", CYRILLIC_PAYPAL), ("mario", "rnario"), ("abc", "\u13aabc"), ("MARIO", MODIFIER_MARIO)],
    ids=["cyrillic a", "rn for m", "cherokee A", "modifier letters"],
)
def test_look_alikes_share_skeleton(first, second):
    assert skeleton(screen_name_key(first)) == skeleton(screen_name_key(second))


def test_different_names_differ_in_skeleton():
    assert skeleton(screen_name_key("mario")) != skeleton(screen_name_key("maria"))


async def test_rename_shows_on_boards(api, db):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "oldname")
    await _submit(api, machine, player.user_id)
    assert await _top_names(api, machine) == ["oldname"]

    reply = await _rename(api, player, "  New Name  ")

    assert reply.screen_name == "New Name"
    assert await _top_names(api, machine) == ["New Name"]
    history = await db.execute(
        "SELECT screen_name FROM users_history WHERE id = %s ORDER BY valid_from", (uuid.UUID(player.user_id),)
    )
    assert [row[0] for row in await history.fetchall()] == ["oldname", "New Name"]


async def test_rename_in_modifier_letters_is_taken(api):
    await sign_up(api, "mario")
    other = await sign_up(api)

    error = await rpc_error(_rename(api, other, MODIFIER_MARIO))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "SCREEN_NAME_TAKEN"


async def test_sign_up_in_modifier_letters_is_taken(api, db):
    await sign_up(api, "mario")
    request = auth_pb2.CreateUserRequest(email="second@example.com", password=PASSWORD, screen_name=MODIFIER_MARIO)

    error = await rpc_error(api.auth.CreateUser(request))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "SCREEN_NAME_TAKEN"
    assert (await (await db.execute("SELECT count(*) FROM users")).fetchone())[0] == 1


@pytest.mark.parametrize("taken, wanted", [("paypal", CYRILLIC_PAYPAL), ("mario", "rnario")])
async def test_confusable_name_is_taken(api, taken, wanted):
    await sign_up(api, taken)
    other = await sign_up(api)
    request = auth_pb2.CreateUserRequest(email="third@example.com", password=PASSWORD, screen_name=wanted)

    renamed = await rpc_error(_rename(api, other, wanted))
    signed_up = await rpc_error(api.auth.CreateUser(request))

    assert renamed.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(renamed).reason == "SCREEN_NAME_TAKEN"
    assert signed_up.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(signed_up).reason == "SCREEN_NAME_TAKEN"


async def test_rename_to_own_name_in_other_case(api):
    player = await sign_up(api, "mario")

    reply = await _rename(api, player, "MaRiO")

    assert reply.screen_name == "MaRiO"


async def test_rename_is_rate_limited(api, db):
    player = await sign_up(api)
    await _rename(api, player, "first rename")

    error = await rpc_error(_rename(api, player, "second rename"))

    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(error).reason == "SCREEN_NAME_CHANGE_TOO_SOON"
    name = await db.execute("SELECT screen_name FROM users WHERE id = %s", (uuid.UUID(player.user_id),))
    assert (await name.fetchone())[0] == "first rename"


async def test_rename_allowed_after_interval(api, db):
    player = await sign_up(api)
    await _rename(api, player, "first rename")
    await db.execute(
        "UPDATE users SET screen_name_change_time = screen_name_change_time - interval '31 days' WHERE id = %s",
        (uuid.UUID(player.user_id),),
    )

    reply = await _rename(api, player, "second rename")

    assert reply.screen_name == "second rename"


async def test_rename_interval_is_a_setting(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, screen_name_change_days=1e-9)
    async with conftest.serving(database_url, settings) as api:
        player = await sign_up(api)
        await _rename(api, player, "first rename")

        reply = await _rename(api, player, "second rename")

    assert reply.screen_name == "second rename"


@pytest.mark.parametrize("name", ["ab", "x" * 33, "bad\u0000name", ""])
async def test_rename_rejects_bad_name(api, name):
    player = await sign_up(api)

    error = await rpc_error(_rename(api, player, name))

    assert_invalid(error, "screen_name")


async def test_delete_keeps_scores_as_deleted_player(api, db, mailbox):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "leaving")
    await _submit(api, machine, player.user_id)

    await _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password=PASSWORD), metadata=player.metadata)

    assert await _top_names(api, machine) == ["Deleted player"]
    user_id = uuid.UUID(player.user_id)
    live = await (await db.execute("SELECT email, screen_name, password_hash FROM users WHERE id = %s", (user_id,))).fetchone()
    assert live == ("", "", "")
    leftovers = await db.execute(
        "SELECT count(*) FROM users_history WHERE id = %s AND (email <> '' OR screen_name <> '' OR password_hash <> '')",
        (user_id,),
    )
    assert (await leftovers.fetchone())[0] == 0


async def test_delete_ends_sessions(api):
    player = await sign_up(api, "leaving")

    await _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password=PASSWORD), metadata=player.metadata)

    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=player.metadata))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    login = auth_pb2.CreateTokenRequest(email="leaving@example.com", password=PASSWORD)
    error = await rpc_error(api.auth.CreateToken(login))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_delete_frees_email_and_name(api, mailbox):
    player = await sign_up(api, "leaving")
    await _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password=PASSWORD), metadata=player.metadata)
    mailbox.clear()

    again = await api.auth.CreateUser(
        auth_pb2.CreateUserRequest(email="leaving@example.com", password=PASSWORD, screen_name="leaving")
    )

    assert again.user.id != player.user_id
    messages = await mailbox.wait_for("leaving@example.com")
    assert len(messages) == 1


async def test_delete_needs_right_password(api, db):
    player = await sign_up(api, "staying")

    wrong = await rpc_error(
        _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password="wrong password"), metadata=player.metadata)
    )
    missing = await rpc_error(
        _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(), metadata=player.metadata)
    )

    assert wrong.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(wrong).reason == "BAD_CREDENTIALS"
    assert_invalid(missing, "password")
    row = await db.execute("SELECT screen_name, delete_time FROM users WHERE id = %s", (uuid.UUID(player.user_id),))
    assert await row.fetchone() == ("staying", None)


async def test_delete_needs_second_factor(api, db):
    player = await sign_up(api, "guarded")
    factors = second_factor_pb2_grpc.SecondFactorServiceStub(api.channel)
    enrolled = await factors.EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=second_factor_pb2.SECOND_FACTOR_METHOD_TOTP, password=PASSWORD),
        metadata=player.metadata,
    )
    totp = pyotp.TOTP(enrolled.totp_secret)
    await factors.ConfirmSecondFactor(second_factor_pb2.ConfirmSecondFactorRequest(code=totp.now()), metadata=player.metadata)

    without_code = await rpc_error(
        _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password=PASSWORD), metadata=player.metadata)
    )
    wrong_code = await rpc_error(
        _accounts(api).DeleteAccount(
            account_pb2.DeleteAccountRequest(password=PASSWORD, second_factor_code="000000"), metadata=player.metadata
        )
    )
    assert without_code.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(without_code).reason == "BAD_SECOND_FACTOR"
    assert wrong_code.code() == grpc.StatusCode.UNAUTHENTICATED
    row = await db.execute("SELECT delete_time FROM users WHERE id = %s", (uuid.UUID(player.user_id),))
    assert (await row.fetchone())[0] is None

    # The code of the next step: the current one was spent on confirmation.
    await _accounts(api).DeleteAccount(
        account_pb2.DeleteAccountRequest(password=PASSWORD, second_factor_code=totp.at(time.time() + 30)),
        metadata=player.metadata,
    )
    row = await db.execute("SELECT delete_time FROM users WHERE id = %s", (uuid.UUID(player.user_id),))
    assert (await row.fetchone())[0] is not None


async def test_delete_rejected_for_owner(api):
    owner, _, _ = await owner_with_machine(api)

    error = await rpc_error(
        _accounts(api).DeleteAccount(account_pb2.DeleteAccountRequest(password=PASSWORD), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "OWNS_ARCADES"


async def test_export_contains_account_data(api):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "exporter")
    score = await _submit(api, machine, player.user_id, value=4242)
    code = await api.checkins.CreateCheckInCode(
        checkin_pb2.CreateCheckInCodeRequest(player_slot=1), metadata=machine.metadata
    )
    await api.checkins.ClaimCheckIn(checkin_pb2.ClaimCheckInRequest(code=code.code), metadata=player.metadata)
    await _rename(api, player, "exported")

    reply = await _accounts(api).ExportAccountData(account_pb2.ExportAccountDataRequest(), metadata=player.metadata)

    data = json.loads(reply.data_json)
    assert data["profile"]["id"] == player.user_id
    assert data["profile"]["email"] == "exporter@example.com"
    assert data["profile"]["screen_name"] == "exported"
    assert [entry["screen_name"] for entry in data["screen_name_history"]] == ["exporter", "exported"]
    assert len(data["sessions"]) == 1
    assert [(entry["id"], entry["value"]) for entry in data["scores"]] == [(int(score.score.id), 4242)]
    assert [entry["machine_id"] for entry in data["check_ins"]] == [machine.machine_id]
    assert data["profile"]["create_time"].endswith("Z")
    assert reply.export_time.seconds > 0
