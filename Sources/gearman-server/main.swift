import GearmanServerCLI
import Glibc

exit(ServerCommand.run(Array(CommandLine.arguments.dropFirst())))
