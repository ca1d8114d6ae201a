"""Starter configs: what the user's app is, how a server should run it, the files, and their validation.

- `plan`: the server's plan for the answers (workers, worker class, interface, protocols, memory, command);
- `render`: the context of validated values and the stored templates rendered into files;
- `validate`: the real tools that read each file, one module per tool family.
"""
