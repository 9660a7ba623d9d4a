# Sourced by scripts/test-all.sh (run from the repository root): makes sure the services the tests talk to
# answer on their usual ports: Redis 6379 (leases, replica tests), RabbitMQ 5672 (guest/guest, AMQP broker
# tests), Mosquitto 1883 (MQTT broker tests). A service whose port already answers is left alone. Otherwise,
# as root on Debian/Ubuntu, its package is installed when absent (apt-get) and the service is started; as
# another user the script stops with the command to run. SERVICES_DRY_RUN=1 only prints what it would do.

# Whether something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, at most 2 s).
port_answers() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# run_or_print CMD...: runs the command, or prints it under SERVICES_DRY_RUN=1.
run_or_print() {
    if [[ "${SERVICES_DRY_RUN:-0}" == "1" ]]; then
        echo "would run: $*"
    else
        "$@"
    fi
}

# ensure_service NAME PORT PACKAGE BINARY DAEMON_COMMAND...
#   NAME: the init script / unit name; BINARY: the program the package installs (to see whether it is);
#   DAEMON_COMMAND: how to start it in the background where `service NAME start` does not work (containers).
ensure_service() {
    local name="$1" port="$2" package="$3" binary="$4"
    shift 4
    if port_answers "$port"; then
        echo "$name: port $port answers"
        return 0
    fi
    if [[ "$(id -u)" != "0" ]]; then
        echo "services: nothing answers on port $port ($name) and this is not root: run" >&2
        echo "  sudo apt-get install -y $package && sudo service $name start" >&2
        echo "(or start $name on port $port another way) and run the script again" >&2
        return 1
    fi
    if ! command -v "$binary" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$binary" ]]; then
        command -v apt-get >/dev/null || { echo "services: $package is missing and apt-get is not available: install $package" >&2; return 1; }
        echo "$name: installing $package"
        run_or_print env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package" \
            || { run_or_print apt-get update && run_or_print env DEBIAN_FRONTEND=noninteractive apt-get install -y "$package"; } \
            || return 1
    fi
    echo "$name: starting"
    run_or_print service "$name" start || run_or_print "$@" || return 1
    [[ "${SERVICES_DRY_RUN:-0}" == "1" ]] && return 0
    # RabbitMQ takes several seconds to open its port: wait for the port itself (at most 90 s).
    local waited=0
    until port_answers "$port"; do
        ((waited++ < 90)) || { echo "services: $name started but port $port does not answer" >&2; return 1; }
        sleep 1
    done
    echo "$name: port $port answers"
}

ensure_services() {
    ensure_service redis-server 6379 redis-server redis-server redis-server --daemonize yes
    ensure_service rabbitmq-server 5672 rabbitmq-server rabbitmq-server rabbitmq-server -detached
    ensure_service mosquitto 1883 mosquitto mosquitto mosquitto -d
}
