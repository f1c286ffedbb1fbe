import GearmanCLI
import Glibc

exit(GearmanCommand.main(arguments: CommandLine.arguments))
