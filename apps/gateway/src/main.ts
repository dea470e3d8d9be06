import { runService } from '@cairn/service-kit';
import { gatewayService } from './gateway.module';

void runService(gatewayService);
