#include "traces/tools/child_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>

extern char** environ;

namespace oopsim::traces {

pid_t spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const SpawnOptions& o) {
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> a, e;
  for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  for (const auto& s : envs) e.push_back(const_cast<char*>(s.c_str()));
  e.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!o.log.empty()) {
    posix_spawn_file_actions_addopen(&fa, 1, o.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  } else if (o.stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa, o.stdout_fd, 1);
  } else if (o.stdout_to_stderr) {
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
  }
  if (o.close_fd >= 0) posix_spawn_file_actions_addclose(&fa, o.close_fd);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  if (o.own_process_group) {
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
  }
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, a[0], &fa, &at, a.data(), e.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  return rc == 0 ? pid : -1;
}

int wait_child(pid_t pid, int on_failure) {
  if (pid < 0) return on_failure;
  int status = 0;
  while (waitpid(pid, &status, 0) != pid) {
    if (errno != EINTR) return on_failure;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace oopsim::traces
