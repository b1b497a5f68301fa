// The `pull` command of kpihub-adapter (pull_command.cc): its own options, then PullRun.
#pragma once

namespace kpihub::adapter {

// argv[0] is "pull"; the process's exit code.
int RunPullCommand(int argc, char** argv);

}  // namespace kpihub::adapter
