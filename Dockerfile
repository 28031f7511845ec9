# One image per deployable, from one build: `docker build --target cli|api|worker .`
# (docker-compose.yml builds all three). The SQL ships inside the migrator assembly, so only cli needs nothing else.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /repo
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY database/ database/
COPY src/ src/
RUN dotnet publish src/PgQueue.Cli -c Release -o /out/cli --nologo \
 && dotnet publish src/PgQueue.Api -c Release -o /out/api --nologo \
 && dotnet publish src/PgQueue.Worker -c Release -o /out/worker --nologo

# pgqueue migrate | demo --connection …  (PGQUEUE_CONNECTION is read too)
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS cli
WORKDIR /app
COPY --from=build /out/cli .
USER $APP_UID
ENTRYPOINT ["dotnet", "pgqueue.dll"]

# The HTTP API on port 8080.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS api
WORKDIR /app
COPY --from=build /out/api .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "PgQueue.Api.dll"]

# The worker host. It stops on SIGTERM within PgQueue:Worker:ShutdownGracePeriod: give `docker stop` longer.
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS worker
WORKDIR /app
COPY --from=build /out/worker .
USER $APP_UID
ENTRYPOINT ["dotnet", "pgqueue-worker.dll"]
