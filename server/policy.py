"""The access policy of each RPC. The interceptor denies any method missing here.

- PUBLIC: anyone; a token, if sent, must still be valid.
- USER: a user access token.
- DEVICE: a machine's device token.
Finer checks happen in the domain's access_ functions: owning the arcade,
being on its staff, being a platform admin (server/domain/roles.py).

API_KEY_SCOPES lists the only methods a partner API key (`x-api-key`
metadata) may call, with the scope the key needs; the domain then checks
that the request names the key's own arcade. A key gets PERMISSION_DENIED
on every other method, PUBLIC ones included.
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
    "/origin.v1.AuthService/CompleteSignIn": PUBLIC,
    "/origin.v1.AuthService/RequestPasswordReset": PUBLIC,
    "/origin.v1.AuthService/ResetPassword": PUBLIC,
    "/origin.v1.AuthService/ChangePassword": USER,
    "/origin.v1.AuthService/ChangeEmail": USER,
    "/origin.v1.AuthService/ConfirmEmailChange": PUBLIC,
    "/origin.v1.SecondFactorService/EnrollSecondFactor": USER,
    "/origin.v1.SecondFactorService/ConfirmSecondFactor": USER,
    "/origin.v1.SecondFactorService/DisableSecondFactor": USER,
    "/origin.v1.SecondFactorService/SendSecondFactorCode": USER,
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
    "/origin.v1.AccountService/UpdateScreenName": USER,
    "/origin.v1.AccountService/DeleteAccount": USER,
    "/origin.v1.AccountService/ExportAccountData": USER,
    "/origin.v1.StaffService/AddStaffMember": USER,
    "/origin.v1.StaffService/RemoveStaffMember": USER,
    "/origin.v1.StaffService/ListStaffMembers": USER,
    "/origin.v1.ApiKeyService/CreateApiKey": USER,
    "/origin.v1.ApiKeyService/ListApiKeys": USER,
    "/origin.v1.ApiKeyService/RevokeApiKey": USER,
    # Standard services: health checks and reflection are open, as load
    # balancers and tools such as buf curl expect.
    "/grpc.health.v1.Health/Check": PUBLIC,
    "/grpc.health.v1.Health/Watch": PUBLIC,
    "/grpc.health.v1.Health/List": PUBLIC,
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": PUBLIC,
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo": PUBLIC,
}

# Scope names as stored with each key (server/domain/roles.py).
BOARDS_READ = "boards.read"
MACHINE_STATUSES_READ = "machine_statuses.read"

API_KEY_SCOPES = {
    "/origin.v1.ScoreService/ListTopScores": BOARDS_READ,
    "/origin.v1.ScoreService/ListScoresAroundPlayer": BOARDS_READ,
    "/origin.v1.ScoreService/WatchBoard": BOARDS_READ,
    "/origin.v1.MachineStatusService/ListMachineStatuses": MACHINE_STATUSES_READ,
    "/origin.v1.MachineStatusService/WatchMachineStatuses": MACHINE_STATUSES_READ,
}
