# Sourced by the scripts that start servers on this machine.
free_port() { # prints a TCP port that is free on 127.0.0.1 now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() { # waits up to 30 s for something to listen on 127.0.0.1:$1
  for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1
}
