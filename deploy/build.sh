#!/usr/bin/env bash
# Builds the Lambda deployment package artifacts/pgqueue-lambda.zip, which template.yaml's CodeUri points at. The
# package is pure managed code: it runs on arm64 and x86_64 alike.
#   bash deploy/build.sh                                   # net10.0, for the dotnet10 runtime (the template's default)
#   bash deploy/build.sh --framework net8.0                # for the dotnet8 runtime
#   bash deploy/build.sh --project path/to/YourFunctions.csproj   # your handlers (a project deriving from Function)
set -euo pipefail
cd "$(dirname "$0")/.."
project=src/PgQueue.Lambda/PgQueue.Lambda.csproj
framework=net10.0
while (( $# )); do
  case $1 in
    --project) project=$2; shift 2 ;;
    --framework) framework=$2; shift 2 ;;
    *) echo "usage: bash deploy/build.sh [--framework net10.0|net8.0] [--project path.csproj]" >&2; exit 2 ;;
  esac
done
out=artifacts/lambda
rm -rf "$out" artifacts/pgqueue-lambda.zip
dotnet publish "$project" -c Release -f "$framework" -o "$out" --nologo -p:DebugType=None -p:GenerateDocumentationFile=false
(cd "$out" && zip -qr ../pgqueue-lambda.zip .)
echo "built artifacts/pgqueue-lambda.zip ($(du -h artifacts/pgqueue-lambda.zip | cut -f1)) from $project for $framework"
