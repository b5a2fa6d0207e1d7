# Build: docker build -t iotdashboard .   Run: docker run -p 5000:8080 -v iot-data:/app/data iotdashboard
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore from the project files alone so the package layer is reused when only sources change.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY IotDashboard.Core/IotDashboard.Core.csproj IotDashboard.Core/
COPY IotDashboard.App/IotDashboard.App.csproj IotDashboard.App/
RUN dotnet restore IotDashboard.App/IotDashboard.App.csproj

# No --no-restore: the restore above saw no .razor files, so it skipped the package that carries
# _framework/blazor.web.js (RequiresAspNetWebAssets); this second restore adds it from the warm cache.
COPY . .
RUN dotnet publish IotDashboard.App -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .

# The image presets ASPNETCORE_HTTP_PORTS; clear it so ASPNETCORE_URLS is the only binding (no override warning).
ENV ASPNETCORE_HTTP_PORTS="" \
    ASPNETCORE_URLS=http://+:8080
EXPOSE 8080

# SQLite database and other local state; owned by the image's non-root `app` user.
RUN mkdir -p /app/data && chown app:app /app/data
VOLUME /app/data
USER app

ENTRYPOINT ["dotnet", "IotDashboard.App.dll"]
