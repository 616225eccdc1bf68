"""ArcadeService: creation with retries, reads as of a moment, and the nearby search."""

import math
import uuid

import grpc
import pytest
from origin.v1 import arcade_pb2, machine_pb2

from server.domain import paging
from tests.helpers import error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, database_now, rpc_error, timestamp

EARTH_RADIUS_METERS = 6371008.8


def _new_arcade(**fields) -> arcade_pb2.CreateArcadeRequest:
    values = {
        "display_name": "Flipper Hall",
        "address": "Oranienstraße 1, Berlin",
        "latitude": 52.5,
        "longitude": 13.4,
        "time_zone": "Europe/Berlin",
    }
    values.update(fields)
    return arcade_pb2.CreateArcadeRequest(**values)


def _haversine(lat1, lon1, lat2, lon2) -> float:
    """Return the great-circle distance in metres, computed independently of the server."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(a))


async def _place(api, owner, name, latitude, longitude) -> str:
    reply = await api.arcades.CreateArcade(
        _new_arcade(display_name=name, latitude=latitude, longitude=longitude), metadata=owner.metadata
    )
    return reply.arcade.id


async def _all_pages(api, request: arcade_pb2.ListNearbyArcadesRequest) -> list[list[arcade_pb2.NearbyArcade]]:
    pages = []
    for _ in range(50):
        reply = await api.arcades.ListNearbyArcades(request)
        pages.append(list(reply.arcades))
        if not reply.next_page_token:
            return pages
        request.page_token = reply.next_page_token
    raise AssertionError("paging did not end within 50 pages")


async def test_create_arcade_returns_arcade(api, db):
    owner = await sign_up(api)

    reply = await api.arcades.CreateArcade(_new_arcade(display_name="  Flipper Hall  "), metadata=owner.metadata)

    assert uuid.UUID(reply.arcade.id)
    assert reply.arcade.owner_id == owner.user_id
    assert reply.arcade.display_name == "Flipper Hall"
    assert reply.arcade.address == "Oranienstraße 1, Berlin"
    assert reply.arcade.latitude == 52.5
    assert reply.arcade.longitude == 13.4
    assert reply.arcade.time_zone == "Europe/Berlin"
    assert reply.arcade.HasField("create_time")
    assert await count_rows(db, "arcades") == {"arcades": 1}


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", "x" * 101),
        ("display_name", "Flipper\x00Hall"),
        ("display_name", "Flipper Hall\n"),
        ("address", "x" * 301),
        ("address", "Street 1\x1b[2J"),
        ("latitude", 90.000001),
        ("latitude", -91.0),
        ("latitude", math.nan),
        ("latitude", math.inf),
        ("latitude", -math.inf),
        ("longitude", 180.000001),
        ("longitude", -181.0),
        ("longitude", math.nan),
        ("longitude", math.inf),
        ("time_zone", ""),
        ("time_zone", "Mars/Olympus_Mons"),
        ("time_zone", "europe/berlin"),
        ("time_zone", "Europe"),
        ("time_zone", "Europe/"),
        ("time_zone", "../../etc/passwd"),
        ("time_zone", "zone.tab"),
        ("time_zone", "localtime"),
        ("time_zone", "posixrules"),
        ("time_zone", "Europe/Berlin\x00"),
        ("time_zone", "x" * 5000),
        ("request_id", "r" * 65),
        ("request_id", "retry\n1"),
    ],
    ids=repr,
)
async def test_create_arcade_rejects_bad_field(api, db, field, value):
    owner = await sign_up(api)
    before = await count_rows(db, "arcades", "arcades_history")

    error = await rpc_error(api.arcades.CreateArcade(_new_arcade(**{field: value}), metadata=owner.metadata))

    assert_invalid(error, field)
    assert await count_rows(db, "arcades", "arcades_history") == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", "x" * 100),
        ("address", ""),
        ("address", "x" * 300),
        ("latitude", 90.0),
        ("latitude", -90.0),
        ("longitude", 180.0),
        ("longitude", -180.0),
        ("time_zone", "UTC"),
        ("time_zone", "America/Argentina/Buenos_Aires"),
    ],
    ids=repr,
)
async def test_create_arcade_accepts_limits(api, field, value):
    owner = await sign_up(api)

    reply = await api.arcades.CreateArcade(_new_arcade(**{field: value}), metadata=owner.metadata)

    assert getattr(reply.arcade, field) == value


async def test_create_arcade_retry_returns_first(api, db):
    owner = await sign_up(api)
    request = _new_arcade(request_id="r" * 64)

    first = await api.arcades.CreateArcade(request, metadata=owner.metadata)
    second = await api.arcades.CreateArcade(request, metadata=owner.metadata)

    assert second.arcade == first.arcade
    assert await count_rows(db, "arcades", "arcades_history") == {"arcades": 1, "arcades_history": 1}


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", "Other Hall"),
        ("address", "Elsewhere 2"),
        ("latitude", 52.50001),
        ("longitude", 13.40001),
        ("time_zone", "Europe/Paris"),
    ],
)
async def test_create_arcade_request_id_reused(api, db, field, value):
    owner = await sign_up(api)
    first = await api.arcades.CreateArcade(_new_arcade(request_id="create-hall-1"), metadata=owner.metadata)

    error = await rpc_error(
        api.arcades.CreateArcade(_new_arcade(request_id="create-hall-1", **{field: value}), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "REQUEST_ID_REUSED"
    assert await count_rows(db, "arcades") == {"arcades": 1}
    stored = await api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=first.arcade.id))
    assert stored.arcade == first.arcade


async def test_create_arcade_request_id_per_owner(api, db):
    first_owner, second_owner = await sign_up(api), await sign_up(api)
    request = _new_arcade(request_id="same-id")

    first = await api.arcades.CreateArcade(request, metadata=first_owner.metadata)
    second = await api.arcades.CreateArcade(request, metadata=second_owner.metadata)

    assert first.arcade.id != second.arcade.id
    assert second.arcade.owner_id == second_owner.user_id
    assert await count_rows(db, "arcades") == {"arcades": 2}


async def test_create_arcade_without_request_id(api, db):
    owner = await sign_up(api)

    first = await api.arcades.CreateArcade(_new_arcade(), metadata=owner.metadata)
    second = await api.arcades.CreateArcade(_new_arcade(), metadata=owner.metadata)

    assert first.arcade.id != second.arcade.id
    assert await count_rows(db, "arcades") == {"arcades": 2}


async def test_get_arcade_returns_arcade(api):
    owner = await sign_up(api)
    created = await api.arcades.CreateArcade(_new_arcade(), metadata=owner.metadata)

    reply = await api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=created.arcade.id))

    assert reply.arcade == created.arcade


@pytest.mark.parametrize(
    "arcade_id",
    ["", "not-a-uuid", "123", "5f0c6f1e-0000-4000-8000-00000000000", "5f0c6f1e-0000-4000-8000-000000000000x", "\x00"],
    ids=repr,
)
async def test_get_arcade_rejects_bad_id(api, db, arcade_id):
    before = await count_rows(db, "arcades")

    error = await rpc_error(api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=arcade_id)))

    assert_invalid(error, "arcade_id")
    assert await count_rows(db, "arcades") == before


async def test_get_arcade_unknown(api):
    error = await rpc_error(api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=str(uuid.uuid4()))))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "ARCADE_NOT_FOUND"


async def test_get_arcade_reads_old_version(api, db):
    owner = await sign_up(api)
    created = await api.arcades.CreateArcade(_new_arcade(display_name="Old Hall"), metadata=owner.metadata)
    between = await database_now(db)
    await db.execute("UPDATE arcades SET display_name = %s WHERE id = %s", ("New Hall", created.arcade.id))

    old = await api.arcades.GetArcade(
        arcade_pb2.GetArcadeRequest(arcade_id=created.arcade.id, read_time=timestamp(between))
    )
    now = await api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=created.arcade.id))

    assert old.arcade.display_name == "Old Hall"
    assert now.arcade.display_name == "New Hall"
    assert old.arcade.create_time == created.arcade.create_time


async def test_get_arcade_before_creation(api, db):
    owner = await sign_up(api)
    before = await database_now(db)
    created = await api.arcades.CreateArcade(_new_arcade(), metadata=owner.metadata)

    error = await rpc_error(
        api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=created.arcade.id, read_time=timestamp(before)))
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "ARCADE_NOT_FOUND"


async def test_get_arcade_rejects_bad_read_time(api):
    owner = await sign_up(api)
    created = await api.arcades.CreateArcade(_new_arcade(), metadata=owner.metadata)
    request = arcade_pb2.GetArcadeRequest(arcade_id=created.arcade.id)
    request.read_time.seconds = 253402300800

    error = await rpc_error(api.arcades.GetArcade(request))

    assert_invalid(error, "read_time")


async def test_list_nearby_nearest_first(api):
    owner = await sign_up(api)
    # Due north of the centre at about 1, 5.6, 11, 22 and 111 km.
    offsets = {"far": 1.0, "d": 0.2, "a": 0.01, "c": 0.1, "b": 0.05}
    ids = {name: await _place(api, owner, name, 48.0 + offset, 11.0) for name, offset in offsets.items()}

    reply = await api.arcades.ListNearbyArcades(arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0))

    assert [found.arcade.id for found in reply.arcades] == [ids["a"], ids["b"], ids["c"], ids["d"]]
    for found in reply.arcades:
        expected = _haversine(48.0, 11.0, found.arcade.latitude, found.arcade.longitude)
        assert found.distance_meters == pytest.approx(expected, rel=1e-9)
    assert reply.next_page_token == ""


async def test_list_nearby_respects_radius(api):
    owner = await sign_up(api)
    inside = await _place(api, owner, "inside", 48.0, 11.0 + 0.13)
    await _place(api, owner, "outside", 48.0, 11.0 + 0.14)
    # 0.13 degrees of longitude at 48 degrees north are about 9.7 km, 0.14 about 10.4 km.
    assert _haversine(48.0, 11.0, 48.0, 11.13) < 10_000 < _haversine(48.0, 11.0, 48.0, 11.14)

    reply = await api.arcades.ListNearbyArcades(
        arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, radius_meters=10_000)
    )

    assert [found.arcade.id for found in reply.arcades] == [inside]


async def test_list_nearby_default_radius(api):
    owner = await sign_up(api)
    inside = await _place(api, owner, "49 km", 48.0 + 49_000 / 111_195, 11.0)
    await _place(api, owner, "51 km", 48.0 + 51_000 / 111_195, 11.0)

    reply = await api.arcades.ListNearbyArcades(arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0))

    assert [found.arcade.id for found in reply.arcades] == [inside]


async def test_list_nearby_pages_without_gaps(api):
    owner = await sign_up(api)
    # Pairs at the same spot tie on distance, so pages must also break ties.
    spots = [0.01, 0.01, 0.02, 0.03, 0.03, 0.03, 0.05]
    created = [await _place(api, owner, f"hall {n}", 48.0 + offset, 11.0) for n, offset in enumerate(spots)]
    everything = await api.arcades.ListNearbyArcades(
        arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_size=100)
    )

    pages = await _all_pages(api, arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_size=2))

    paged_ids = [found.arcade.id for page in pages for found in page]
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert paged_ids == [found.arcade.id for found in everything.arcades]
    assert sorted(paged_ids) == sorted(created)
    distances = [found.distance_meters for page in pages for found in page]
    assert distances == sorted(distances)


async def test_list_nearby_exact_last_page(api):
    owner = await sign_up(api)
    for n in range(4):
        await _place(api, owner, f"hall {n}", 48.0 + n * 0.01, 11.0)

    pages = await _all_pages(api, arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_size=2))

    assert [len(page) for page in pages] == [2, 2]


@pytest.mark.parametrize(
    "arcade_at, search_from",
    [
        ((10.0, 179.9), (10.0, -179.9)),
        ((10.0, -179.9), (10.0, 179.9)),
        ((-33.0, 180.0), (-33.0, -179.95)),
        ((89.95, 0.0), (89.95, 180.0)),
    ],
    ids=["east of the line", "west of the line", "on the line", "over the pole"],
)
async def test_list_nearby_wraps_around(api, arcade_at, search_from):
    owner = await sign_up(api)
    arcade_id = await _place(api, owner, "across", *arcade_at)

    reply = await api.arcades.ListNearbyArcades(
        arcade_pb2.ListNearbyArcadesRequest(latitude=search_from[0], longitude=search_from[1], radius_meters=50_000)
    )

    assert [found.arcade.id for found in reply.arcades] == [arcade_id]
    assert reply.arcades[0].distance_meters == pytest.approx(_haversine(*search_from, *arcade_at), rel=1e-9)
    assert reply.arcades[0].distance_meters < 25_000


@pytest.mark.parametrize(
    "field, value",
    [
        ("latitude", 90.5),
        ("latitude", math.nan),
        ("latitude", -math.inf),
        ("longitude", -180.5),
        ("longitude", math.nan),
        ("longitude", math.inf),
        ("radius_meters", 0.5),
        ("radius_meters", -1.0),
        ("radius_meters", 1_000_001.0),
        ("radius_meters", math.nan),
        ("radius_meters", math.inf),
        ("page_size", -1),
        ("page_size", 101),
        ("page_token", "not a token"),
        ("page_token", "e30"),
        ("page_token", "W10"),
    ],
    ids=repr,
)
async def test_list_nearby_rejects_bad_field(api, db, field, value):
    request = arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0)
    setattr(request, field, value)
    before = await count_rows(db, "arcades")

    error = await rpc_error(api.arcades.ListNearbyArcades(request))

    assert_invalid(error, field)
    assert await count_rows(db, "arcades") == before


async def _first_token(api, owner, **search) -> str:
    for n in range(3):
        await _place(api, owner, f"hall {n}", 48.0 + n * 0.01, 11.0)
    reply = await api.arcades.ListNearbyArcades(arcade_pb2.ListNearbyArcadesRequest(page_size=1, **search))
    assert reply.next_page_token
    return reply.next_page_token


@pytest.mark.parametrize(
    "changed",
    [{"latitude": 48.001}, {"longitude": 11.001}, {"radius_meters": 20_000}],
    ids=["latitude", "longitude", "radius"],
)
async def test_list_nearby_rejects_other_search_token(api, changed):
    owner = await sign_up(api)
    token = await _first_token(api, owner, latitude=48.0, longitude=11.0)
    request = arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_size=1, page_token=token)
    for field, value in changed.items():
        setattr(request, field, value)

    error = await rpc_error(api.arcades.ListNearbyArcades(request))

    assert_invalid(error, "page_token")


async def test_list_nearby_rejects_machines_token(api):
    owner, arcade, _ = await owner_with_machine(api)
    await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Medieval Madness"), metadata=owner.metadata
    )
    machines = await api.machines.ListMachines(
        machine_pb2.ListMachinesRequest(arcade_id=arcade.id, page_size=1), metadata=owner.metadata
    )
    assert machines.next_page_token

    error = await rpc_error(
        api.arcades.ListNearbyArcades(
            arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_token=machines.next_page_token)
        )
    )

    assert_invalid(error, "page_token")


@pytest.mark.parametrize(
    "position",
    [["near", str(uuid.uuid4())], [12.5, "not-a-uuid"], [12.5], [12.5, str(uuid.uuid4()), 3], "12.5", [None, None]],
    ids=repr,
)
async def test_list_nearby_rejects_forged_token(api, position):
    # The digest matches the search, so only the position can give the forgery away.
    token = paging.encode([48.0, 11.0, 50_000.0], position)

    error = await rpc_error(
        api.arcades.ListNearbyArcades(
            arcade_pb2.ListNearbyArcadesRequest(latitude=48.0, longitude=11.0, page_token=token)
        )
    )

    assert_invalid(error, "page_token")
