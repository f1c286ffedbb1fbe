# A Gearman::Client (libgearman-client-perl) client.
# Usage: perl perl_client.pl PORT FUNCTION DATA [background]   (DATA "-": read it from stdin)
# Foreground: prints the result, or "FAILED" if the job failed. Background: prints the handle.
use strict;
use warnings;
use Gearman::Client;

my ($port, $function, $data, $mode) = @ARGV;
$mode //= "";
if ($data eq "-") { binmode STDIN; local $/; $data = <STDIN>; }
my $client = Gearman::Client->new(job_servers => ["127.0.0.1:$port"]);
binmode STDOUT;
if ($mode eq "background") {
    my $handle = $client->dispatch_background($function, $data);
    print defined $handle ? "$handle\n" : "NOT QUEUED\n";
} else {
    my $result = $client->do_task($function, $data, { timeout => 20 });
    print defined $result ? $$result : "FAILED";
}
