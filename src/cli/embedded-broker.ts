import type { Logger } from '../log/logger.js';
import { CliError } from './cli-error.js';
import { KAFKA_SCRIPT, LocalBroker, LocalBrokerError } from './local-broker.js';

/** The repository's local Kafka broker (scripts/kafka/kafka.sh, through LocalBroker), for the embedded default. */
export class EmbeddedBroker {
  private readonly broker: LocalBroker;

  constructor(
    readonly port: number,
    private readonly logger: Logger,
  ) {
    this.broker = new LocalBroker(port, (text) => process.stderr.write(text));
  }

  get address(): string {
    return this.broker.address;
  }

  /** Start it unless it already runs (then it is left running on stop). */
  async start(): Promise<void> {
    try {
      await this.broker.startUnlessRunning({
        alreadyRunning: () => this.logger.info(`using the local broker already running at ${this.address}`),
        starting: () => this.logger.info(`starting the local Kafka broker at ${this.address} (the first run downloads it with Maven)`),
      });
    } catch (error) {
      if (!(error instanceof LocalBrokerError)) throw error;
      throw new CliError(
        error.reason === 'no-script'
          ? `the embedded broker needs ${KAFKA_SCRIPT} from the online-em repository; give --brokers to use a running cluster`
          : 'the local Kafka broker did not start (see the messages above); needs Java 17+ and Maven',
      );
    }
  }

  /** Stop it if this process started it; its data stays for the next run. */
  async stop(): Promise<void> {
    if (this.broker.startedHere) this.logger.info('stopping the local Kafka broker');
    await this.broker.stopIfStartedHere();
  }
}
