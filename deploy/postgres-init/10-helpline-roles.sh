#!/bin/sh
# Run by the postgres image once, when its data volume is first created (docker-entrypoint-initdb.d), as the
# superuser: creates the owner and portal roles (roles.psql). The superuser itself is for the operator only.
set -eu
psql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --no-psqlrc \
    -v dbname="$POSTGRES_DB" \
    -v owner_role=helpline_owner -v owner_password="$DB_OWNER_PASSWORD" \
    -v portal_role=helpline_portal -v portal_password="$DB_PORTAL_PASSWORD" \
    -f /docker-entrypoint-initdb.d/roles.psql
