import { runService } from '@cairn/service-kit';
import { schedulerService } from './scheduler.module';

void runService(schedulerService);
