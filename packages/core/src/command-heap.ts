// How a command that runs once and exits (rpm-sim, an archive's ./install) sizes V8's young generation.
import { setFlagsFromString } from 'node:v8'

/**
 * Keeps V8's young generation near its first size (semi-spaces of 1 to 2 MiB) for the rest of the process, instead
 * of letting it double up to 16 MiB each while allocation goes on. A one-shot run over thousands of files allocates
 * short-lived objects file after file: they die young either way, and the pages a grown young generation touches
 * cost more than the extra scavenges (rpm-sim installing 10,000 files on tmpfs: peak RSS 117 to 82 MiB, page
 * faults 24,000 to 15,000, 0.96 to 0.88 s). Process-wide, so only a command's entry calls it, before its work starts;
 * a library leaves its host's heap alone.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
