"""The access policy of each RPC. The interceptor denies any method missing here.

- PUBLIC: anyone; a token, if sent, must still be valid.
- USER: a user access token.
- DEVICE: a machine's device token.
Finer checks (owning the arcade) happen in the domain's access_ functions.
"""

from __future__ import annotations

PUBLIC = "public"
USER = "user"
DEVICE = "device"

POLICIES = {
    "/origin.v1.AuthService/CreateUser": PUBLIC,
    "/origin.v1.AuthService/CreateToken": PUBLIC,
    "/origin.v1.AuthService/GetCurrentUser": USER,
    "/origin.v1.AuthService/RefreshToken": PUBLIC,
    "/origin.v1.AuthService/SignOut": USER,
    "/origin.v1.AuthService/VerifyEmail": PUBLIC,
    "/origin.v1.AuthService/SendVerificationCode": PUBLIC,
    "/origin.v1.SessionService/ListSessions": USER,
    "/origin.v1.SessionService/DeleteSession": USER,
    "/origin.v1.SessionService/DeleteAllSessions": USER,
    "/origin.v1.ArcadeService/CreateArcade": USER,
    "/origin.v1.ArcadeService/GetArcade": PUBLIC,
    "/origin.v1.ArcadeService/ListNearbyArcades": PUBLIC,
    "/origin.v1.GameService/ListGames": PUBLIC,
    "/origin.v1.GameService/GetGame": PUBLIC,
    "/origin.v1.MachineService/CreateMachine": USER,
    "/origin.v1.MachineService/GetMachine": USER,
    "/origin.v1.MachineService/ListMachines": USER,
    "/origin.v1.MachineService/RevokeDeviceToken": USER,
    "/origin.v1.MachineService/RenewDeviceToken": USER,
    "/origin.v1.ScoreService/SubmitScore": DEVICE,
    "/origin.v1.ScoreService/StreamScores": DEVICE,
    "/origin.v1.ScoreService/ListTopScores": PUBLIC,
    "/origin.v1.ScoreService/ListScoresAroundPlayer": PUBLIC,
    "/origin.v1.ScoreService/ListUserScores": PUBLIC,
    "/origin.v1.ScoreService/WatchBoard": PUBLIC,
    "/origin.v1.CheckInService/CreateCheckInCode": DEVICE,
    "/origin.v1.CheckInService/ClaimCheckIn": USER,
    "/origin.v1.CheckInService/EndCheckIns": DEVICE,
    "/origin.v1.CheckInService/ClaimScore": USER,
    "/origin.v1.MachineStatusService/ReportMachineStatus": DEVICE,
    "/origin.v1.MachineStatusService/ListMachineStatuses": USER,
    "/origin.v1.MachineStatusService/WatchMachineStatuses": USER,
    "/origin.v1.ModerationService/VoidScore": USER,
    "/origin.v1.ModerationService/ApproveScore": USER,
    "/origin.v1.ModerationService/ListHeldScores": USER,
    "/origin.v1.ModerationService/SetScoreRange": USER,
    "/origin.v1.ModerationService/SetClaimWindow": USER,
    # Standard services: health checks and reflection are open, as load
    # balancers and tools such as buf curl expect.
    "/grpc.health.v1.Health/Check": PUBLIC,
    "/grpc.health.v1.Health/Watch": PUBLIC,
    "/grpc.health.v1.Health/List": PUBLIC,
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": PUBLIC,
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": PUBLIC,
}
